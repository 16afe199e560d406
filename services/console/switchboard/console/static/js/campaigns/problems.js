/* The campaign service's errors, placed next to the fields of the console's forms.
 * Request validation names its field (`errors[].field`); the service's own checks list
 * "field: message" lines in `problems`. Both end up next to the input they name. */

import { ApiError, onSubmit, t } from "../console.js";

function splitProblem(text) {
  const at = text.indexOf(": ");
  return at > 0 ? { field: text.slice(0, at), message: text.slice(at + 2) } : { field: "", message: text };
}

/** The enabled input the dotted `field` names, or the first one below it ("schedule.window" → its start). */
function inputNameFor(form, field) {
  const names = [...form.elements].filter((e) => e.name && !e.disabled).map((e) => e.name);
  const parts = field.split(".");
  for (let n = parts.length; n > 0; n -= 1) {
    const prefix = parts.slice(0, n).join(".");
    if (names.includes(prefix)) return prefix;
    const below = names.find((name) => name.startsWith(`${prefix}.`));
    if (below) return below;
  }
  return null;
}

export function withFields(error, form) {
  if (!(error instanceof ApiError)) return error;
  const problem = error.problem || {};
  const items = problem.errors?.length ? problem.errors : (problem.problems || []).map(splitProblem);
  const placed = items.map((item) => ({ item, input: inputNameFor(form, item.field || "") }));
  // When no problem names a field of this form, the service's whole detail says it best.
  if (!placed.some(({ input }) => input)) return error;
  const errors = placed.map(({ item, input }) => ({ ...item, field: input ?? item.field }));
  return new ApiError(error.status, { ...problem, errors });
}

/** onSubmit, with the service's problems placed on the fields they name. */
export function submitTo(form, handler) {
  onSubmit(form, async (data, submitted) => {
    try {
      await handler(data, submitted);
    } catch (error) {
      throw withFields(error, submitted);
    }
  });
}

/** A service value (status, outcome, reason) in the page's language; unknown values as they are. */
export function label(group, value) {
  const key = `${group}.${value}`;
  const text = t(key);
  return text === key ? String(value) : text;
}
