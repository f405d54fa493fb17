/**
 * The typed client the example page and the checks share: openapi-fetch over the types
 * openapi-typescript generates from the served `openapi.json` (generated/api.ts).
 *
 * Why this pair rather than a generator of classes: the generated file is types only, the
 * runtime is one small `fetch` wrapper (a few kB, no dependency), paths and operation ids
 * stay the API's own, and every call answers `{ data, error, response }` where `error` is
 * typed from the operation's documented error responses (`Problem` under
 * `application/problem+json`), so `error.code` is readable without a cast.
 */
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "../generated/api";

export type Api = Client<paths>;
export type Problem = components["schemas"]["Problem"];
export type Objective = components["schemas"]["ObjectiveOut"];
export type KeyResult = components["schemas"]["KeyResultOut"];

/** A client for one API base URL (e.g. `http://127.0.0.1:8000`) and one bearer token. */
export function connect(baseUrl: string, token: string): Api {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
}

/** The `ETag` of an answer, verbatim: what `If-Match` sends back to guard a change. */
export function etagOf(response: Response): string {
  const tag = response.headers.get("ETag");
  if (tag === null) {
    // CORS hides headers it does not expose: no ETag here means the grant is missing it.
    throw new Error(`no ETag on ${response.url} (is it exposed to scripts?)`);
  }
  return tag;
}

/** One line a person can act on, from any problem the API answers. */
export function describeProblem(problem: Problem): string {
  return `${problem.title} (${problem.code}): ${problem.detail}`;
}

const NUMERIC_KINDS: ReadonlySet<string> = new Set(["number", "percent", "currency"]);

/** The first key result whose check-ins take a number (not milestones, not yes/no). */
export function numericKeyResult(objectives: readonly Objective[]): KeyResult | undefined {
  for (const objective of objectives) {
    const found = objective.key_results.find((kr) => NUMERIC_KINDS.has(kr.metric_kind));
    if (found !== undefined) return found;
  }
  return undefined;
}
