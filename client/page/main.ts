/**
 * A reference page on another origin than the API: sign in with a token, list objectives,
 * check in on a key result, rename it under If-Match, and show the API's typed problems.
 * Everything goes through the generated client (src/api.ts); nothing is hand-typed.
 */
import {
  type Api,
  type KeyResult,
  type Problem,
  connect,
  describeProblem,
  etagOf,
} from "../src/api";

let api: Api | undefined;
/** The key result being edited, and the ETag it was read with (what If-Match sends). */
let editing: { kr: KeyResult; etag: string } | undefined;

function element<T extends HTMLElement>(selector: string, kind: new () => T): T {
  const found = document.querySelector(selector);
  if (!(found instanceof kind)) throw new Error(`the page lacks ${selector}`);
  return found;
}

function input(form: HTMLFormElement, name: string): HTMLInputElement {
  const found = form.elements.namedItem(name);
  if (!(found instanceof HTMLInputElement)) throw new Error(`the form lacks ${name}`);
  return found;
}

function show(problem: Problem | undefined, notice = ""): void {
  element("#problem", HTMLElement).textContent = problem ? describeProblem(problem) : "";
  element("#notice", HTMLElement).textContent = notice;
}

/** A handler whose failures (network, CORS) land on the page instead of the console. */
function guarded(handler: () => Promise<void>): (event: Event) => void {
  return (event) => {
    event.preventDefault();
    handler().catch((error: unknown) => {
      element("#problem", HTMLElement).textContent = `Network error: ${String(error)}`;
    });
  };
}

function connected(): Api {
  if (api === undefined) throw new Error("sign in first");
  return api;
}

async function signIn(): Promise<void> {
  const form = element("#sign-in", HTMLFormElement);
  api = connect(input(form, "api").value.replace(/\/+$/, ""), input(form, "token").value);
  const me = await api.GET("/v1/me");
  if (me.error) return show(me.error);
  element("#who", HTMLElement).textContent = `Signed in as ${me.data.name}`;
  show(undefined);
  await listObjectives();
}

async function listObjectives(): Promise<void> {
  const { data, error } = await connected().GET("/v1/objectives", {
    params: { query: { limit: 50 } },
  });
  if (error) return show(error);
  const list = element("#objectives", HTMLUListElement);
  list.replaceChildren(
    ...data.items.map((objective) => {
      const item = document.createElement("li");
      const grade = objective.score.grade ?? "none";
      item.append(`${objective.title} `, badge(objective.score.progress, grade));
      const krs = document.createElement("ul");
      krs.append(...objective.key_results.map(keyResultItem));
      item.append(krs);
      return item;
    }),
  );
}

function badge(progress: string | null, grade: string): HTMLElement {
  const span = document.createElement("span");
  span.className = `grade-${grade}`;
  span.textContent = progress === null ? "(no score)" : `${Math.round(Number(progress) * 100)}%`;
  return span;
}

function keyResultItem(kr: KeyResult): HTMLLIElement {
  const item = document.createElement("li");
  item.className = "kr";
  item.dataset.kind = kr.metric_kind;
  item.append(`${kr.title}: ${kr.current ?? "-"} / ${kr.target} `);
  item.append(badge(kr.score.progress, kr.score.grade));
  const open = document.createElement("button");
  open.textContent = "Open";
  open.dataset.kr = kr.id;
  open.addEventListener("click", guarded(() => openKeyResult(kr.id)));
  item.append(open);
  return item;
}

async function openKeyResult(id: string): Promise<void> {
  const { data, error, response } = await connected().GET("/v1/key-results/{key_result_id}", {
    params: { path: { key_result_id: id } },
  });
  if (error) return show(error);
  editing = { kr: data, etag: etagOf(response) };
  element("#kr-title", HTMLElement).textContent = data.title;
  element("#kr-current", HTMLElement).textContent = data.current ?? "-";
  element("#kr-target", HTMLElement).textContent = `${data.target} ${data.unit ?? ""}`;
  element("#kr-etag", HTMLElement).textContent = editing.etag;
  input(element("#rename", HTMLFormElement), "title").value = data.title;
  input(element("#check-in", HTMLFormElement), "value").value = data.current ?? data.start;
  element("#editor", HTMLElement).hidden = false;
}

async function checkIn(): Promise<void> {
  if (editing === undefined) return;
  const form = element("#check-in", HTMLFormElement);
  const confidence = input(form, "confidence").value;
  const { data, error } = await connected().POST("/v1/key-results/{key_result_id}/check-ins", {
    params: {
      path: { key_result_id: editing.kr.id },
      // A retried click records once; a KR changed since it was shown (its target?) is 412.
      header: { "Idempotency-Key": crypto.randomUUID(), "If-Match": editing.etag },
    },
    body: {
      value: input(form, "value").value,
      confidence: confidence === "" ? null : Number(confidence),
      note: input(form, "note").value,
    },
  });
  if (error) return show(error);
  await openKeyResult(editing.kr.id);
  await listObjectives();
  show(undefined, `Checked in: ${data.value ?? "-"}`);
}

async function rename(): Promise<void> {
  if (editing === undefined) return;
  const { data, error, response } = await connected().PATCH("/v1/key-results/{key_result_id}", {
    params: { path: { key_result_id: editing.kr.id }, header: { "If-Match": editing.etag } },
    body: { title: input(element("#rename", HTMLFormElement), "title").value },
  });
  // 412 stale_version: someone changed it since it was read; the page says so, typed.
  if (error) return show(error);
  editing = { kr: data, etag: etagOf(response) };
  element("#kr-title", HTMLElement).textContent = data.title;
  element("#kr-etag", HTMLElement).textContent = editing.etag;
  await listObjectives();
  show(undefined, `Saved (version ${editing.etag})`);
}

function start(): void {
  const form = element("#sign-in", HTMLFormElement);
  const query = new URLSearchParams(location.search);
  input(form, "api").value = query.get("api") ?? "";
  input(form, "token").value = query.get("token") ?? "";
  form.addEventListener("submit", guarded(signIn));
  element("#check-in", HTMLFormElement).addEventListener("submit", guarded(checkIn));
  element("#rename", HTMLFormElement).addEventListener("submit", guarded(rename));
  element("#reload", HTMLButtonElement).addEventListener(
    "click",
    guarded(async () => {
      if (editing !== undefined) await openKeyResult(editing.kr.id);
      show(undefined, "Reloaded");
    }),
  );
  if (query.has("api") && query.has("token")) form.requestSubmit();
}

start();
