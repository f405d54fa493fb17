/**
 * The generated client against the live service, from Node: list, read, change with
 * If-Match, check in, and read typed errors. `tsc --strict` compiles this file: were the
 * error bodies typed `unknown`, `error.code` below would not compile.
 *
 * Usage: node build/contract.js BASE_URL ADMIN_TOKEN
 */
import { connect, etagOf, numericKeyResult, type Problem } from "./api";

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`contract check failed: ${what}`);
}

/** A title to change to (and back): a real change, whatever ran before. */
function renamed(title: string): string {
  return title.endsWith(" (edited)") ? title.slice(0, -" (edited)".length) : `${title} (edited)`;
}

async function main(baseUrl: string, token: string): Promise<void> {
  const api = connect(baseUrl, token);

  const list = await api.GET("/v1/objectives", { params: { query: { limit: 20 } } });
  check(list.data !== undefined, `listObjectives answered ${list.response.status}`);
  const objectives = list.data.items;
  check(objectives.length > 0, "the demo organization lists objectives");
  console.log(`  listObjectives: ${objectives.length} objectives`);

  const first = objectives[0];
  check(first !== undefined, "a first objective");
  const one = await api.GET("/v1/objectives/{objective_id}", {
    params: { path: { objective_id: first.id } },
  });
  check(one.data?.id === first.id, "getObjective reads the objective listed");
  console.log(`  getObjective: "${one.data.title}" (ETag ${etagOf(one.response)})`);

  const kr = numericKeyResult(objectives);
  check(kr !== undefined, "a key result with a numeric value");
  const path = { key_result_id: kr.id };
  const read = await api.GET("/v1/key-results/{key_result_id}", { params: { path } });
  check(read.data !== undefined, `getKeyResult answered ${read.response.status}`);
  const readTag = etagOf(read.response);

  // A change guarded by the version read: If-Match carries the ETag back.
  const title = renamed(read.data.title);
  const changed = await api.PATCH("/v1/key-results/{key_result_id}", {
    params: { path, header: { "If-Match": readTag } },
    body: { title },
  });
  check(changed.data !== undefined, `updateKeyResult answered ${changed.error?.code}`);
  check(changed.data.title === title, "updateKeyResult changes the title");
  const newTag = etagOf(changed.response);
  check(newTag !== readTag, "a change moves the ETag");
  console.log(`  updateKeyResult If-Match ${readTag}: 200, ETag now ${newTag}`);

  const value = read.data.current ?? read.data.start;
  // A check-in against the KR as it was first read: it changed since, so 412.
  const staleCheckIn = await api.POST("/v1/key-results/{key_result_id}/check-ins", {
    params: { path, header: { "Idempotency-Key": crypto.randomUUID(), "If-Match": readTag } },
    body: { value, confidence: 7, note: "judged against an old target" },
  });
  check(staleCheckIn.response.status === 412, `stale check-in answered ${staleCheckIn.response.status}`);
  check(staleCheckIn.error?.code === "stale_version", "a stale check-in says stale_version");

  const checkIn = await api.POST("/v1/key-results/{key_result_id}/check-ins", {
    params: { path, header: { "Idempotency-Key": crypto.randomUUID(), "If-Match": newTag } },
    body: { value, confidence: 7, note: "checked in by the generated client" },
  });
  check(checkIn.response.status === 201, `createCheckIn answered ${checkIn.response.status}`);
  check(checkIn.data?.value === value, "the check-in records the value sent");
  console.log(`  createCheckIn If-Match ${newTag}: 201, value ${value} (412 with the stale tag)`);

  // The version read first is stale now: 412 with a typed Problem.
  const stale = await api.PATCH("/v1/key-results/{key_result_id}", {
    params: { path, header: { "If-Match": readTag } },
    body: { title: renamed(title) },
  });
  check(stale.error !== undefined, "a stale If-Match is refused");
  const problem: Problem = stale.error; // compiles only if error bodies are typed
  check(stale.response.status === 412, `stale If-Match answered ${stale.response.status}`);
  check(problem.code === "stale_version", `stale If-Match code ${problem.code}`);
  check(
    stale.response.headers.get("Content-Type")?.startsWith("application/problem+json"),
    "problems are sent as application/problem+json",
  );
  console.log(`  stale If-Match: 412 ${stale.error.code} "${stale.error.title}"`);

  const missing = await api.GET("/v1/objectives/{objective_id}", {
    params: { path: { objective_id: crypto.randomUUID() } },
  });
  check(missing.error?.code === "not_found", `an unknown id: ${missing.error?.code}`);

  const stranger = await connect(baseUrl, "not-a-token").GET("/v1/me");
  check(stranger.error?.code === "invalid_token", `a bad token: ${stranger.error?.code}`);
  console.log(`  typed errors: 404 ${missing.error.code}, 401 ${stranger.error.code}`);
}

const [baseUrl, token] = process.argv.slice(2);
if (baseUrl === undefined || token === undefined) {
  console.error("usage: contract.js BASE_URL TOKEN");
  process.exit(2);
}
await main(baseUrl, token).catch((error: unknown) => {
  console.error(`  ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
