/**
 * GraphQL documents checked with graphql-js against the schema the service serves (read by
 * introspection): the README's examples and the operations a UI needs
 * (operations/*.graphql). Every validation error fails; the UI operations then run against
 * the live service too, so the depth, alias and token limits are proven to let them through.
 *
 * Usage: node build/graphql.js BASE_URL ADMIN_TOKEN
 */
import { readFile, readdir } from "node:fs/promises";
import {
  type GraphQLSchema,
  type IntrospectionQuery,
  buildClientSchema,
  getIntrospectionQuery,
  parse,
  validate,
} from "graphql";

const CLIENT = new URL("../", import.meta.url); // build/ sits in client/
const README = new URL("../README.md", CLIENT);
const OPERATIONS = new URL("operations/", CLIENT);

interface Answer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function post<T>(
  endpoint: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const answer = (await response.json()) as Answer<T>;
  if (answer.errors?.length || answer.data == null) {
    const why = (answer.errors ?? []).map((e) => `${e.extensions?.code}: ${e.message}`);
    throw new Error(`GraphQL answered ${response.status}: ${why.join("; ") || "no data"}`);
  }
  return answer.data;
}

/** The ```graphql blocks of the README, and the documents its shell examples post:
 * `gql '<document>'` and `-d '{"query": ...}'` / `-d "{\"query\": ...}"`. */
export function readmeDocuments(markdown: string): string[] {
  const found: string[] = [];
  for (const [, language, body] of markdown.matchAll(/```(\w*)\n([\s\S]*?)```/g)) {
    if (body === undefined) continue;
    if (language === "graphql") found.push(body);
    if (language !== "sh") continue;
    for (const [, document] of body.matchAll(/\bgql '([^']+)'/g)) found.push(document ?? "");
    for (const [, json] of body.matchAll(/-d '(\{"query"[^']*)'/g)) found.push(queryOf(json ?? ""));
    for (const [, quoted] of body.matchAll(/-d "(\{\\"query\\"(?:[^"\\]|\\.)*)"/g)) {
      found.push(queryOf((quoted ?? "").replace(/\\([\\"$`])/g, "$1"))); // shell unquoting
    }
  }
  return found;
}

function queryOf(json: string): string {
  const { query } = JSON.parse(json) as { query: string };
  return query;
}

function check(schema: GraphQLSchema, name: string, source: string): void {
  const errors = validate(schema, parse(source));
  if (errors.length > 0) {
    throw new Error(`${name} does not validate:\n  ${errors.map((e) => e.message).join("\n  ")}`);
  }
}

/** The README's examples and operations/*.graphql, validated; the operations by file name. */
async function validateAll(schema: GraphQLSchema): Promise<Map<string, string>> {
  const examples = readmeDocuments(await readFile(README, "utf8"));
  if (examples.length === 0) throw new Error("no GraphQL example found in README.md");
  examples.forEach((source, i) => check(schema, `README example ${i + 1}`, source));
  console.log(`  README: ${examples.length} GraphQL examples valid`);

  const operations = new Map<string, string>();
  for (const file of (await readdir(OPERATIONS)).filter((f) => f.endsWith(".graphql")).sort()) {
    const source = await readFile(new URL(file, OPERATIONS), "utf8");
    check(schema, `operations/${file}`, source);
    operations.set(file, source);
  }
  console.log(`  operations: ${[...operations.keys()].join(", ")} valid`);
  return operations;
}

type Run = (file: string, variables: Record<string, unknown>) => Promise<unknown>;
interface Demo {
  cycles: { nodes: { id: string; kind: string }[] };
  reviewCycles: { nodes: { id: string; phase: string }[] };
}
interface BoardKr {
  id: string;
  metricKind: string;
  latestCheckIn: unknown;
}
interface Board {
  objectives: { nodes: { keyResults: BoardKr[] }[] };
}

/** The operations on the demo organization: its year, and a reviewee of its published 360. */
type Query = <T>(query: string, variables?: Record<string, unknown>) => Promise<T>;

async function runAll(query: Query, run: Run): Promise<void> {
  const demo = await query<Demo>(`{ cycles(first: 50) { nodes { id kind } }
    reviewCycles(first: 50) { nodes { id phase } } }`);
  const year = demo.cycles.nodes.find((c) => c.kind === "YEAR");
  const published = demo.reviewCycles.nodes.find((c) => c.phase === "PUBLISHED");
  if (year === undefined || published === undefined) throw new Error("no demo year or 360");
  const results = await query<{ reviewResults: { nodes: { reviewee: { id: string } }[] } }>(
    `query($id: UUID!) {
      reviewResults(reviewCycleId: $id, first: 1) { nodes { reviewee { id } } } }`,
    { id: published.id },
  );

  const board = (await run("objectives.graphql", { first: 50, cycleId: year.id })) as Board;
  const krs = board.objectives.nodes.flatMap((o) => o.keyResults);
  const checkedIn = krs.filter((kr) => kr.latestCheckIn !== null);
  if (checkedIn.length === 0) throw new Error("no KR with a latest check-in on the board");
  const tree = (await run("alignment-tree.graphql", { cycleId: year.id })) as {
    alignmentTree: { count: number };
  };
  const memberId = results.reviewResults.nodes[0]?.reviewee.id;
  const member = (await run("review-results.graphql", { memberId })) as {
    member: { reviewResults: unknown[] } | null;
  };
  if (!member.member?.reviewResults.length) throw new Error("the reviewee has no results");
  const kr = checkedIn.find((k) => ["NUMBER", "PERCENT", "CURRENCY"].includes(k.metricKind));
  await run("check-in.graphql", { input: { keyResultId: kr?.id, value: "1", note: "graphql" } });
  console.log(
    `  ran them: ${board.objectives.nodes.length} objectives, ${checkedIn.length}/${krs.length}` +
      ` KRs with a latest check-in; tree of ${tree.alignmentTree.count};` +
      ` ${member.member.reviewResults.length} review result(s); a check-in`,
  );
}

async function main(baseUrl: string, token: string): Promise<void> {
  const endpoint = `${baseUrl}/graphql`;
  const query = <T>(q: string, variables: Record<string, unknown> = {}): Promise<T> =>
    post<T>(endpoint, token, q, variables);
  const schema = buildClientSchema(await query<IntrospectionQuery>(getIntrospectionQuery()));
  const operations = await validateAll(schema);
  await runAll(query, (file, variables) => query(operations.get(file) ?? "", variables));
}

const [baseUrl, token] = process.argv.slice(2);
if (baseUrl === undefined || token === undefined) {
  console.error("usage: graphql.js BASE_URL TOKEN");
  process.exit(2);
}
await main(baseUrl, token).catch((error: unknown) => {
  console.error(`  ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
