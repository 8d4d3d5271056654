// The console's only way to the data: the public GraphQL API at /graphql.
export class ApiError extends Error {}

export async function gql(query, variables = {}) {
  const headers = { "Content-Type": "application/json" };
  const key = document.getElementById("api-key").value.trim();
  if (key) headers.Authorization = `Bearer ${key}`;
  const response = await fetch("/graphql", {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
  });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`HTTP ${response.status}`);
  }
  if (body.errors?.length) throw new ApiError(body.errors.map((e) => e.message).join("; "));
  if (!response.ok) throw new ApiError(body.detail ?? `HTTP ${response.status}`);
  return body.data;
}

/** The message a union's Problem (or unknown member) carries; null for a success. */
export function problemOf(result) {
  if (!result) return "no answer";
  if (result.__typename === "Problem") return `${result.path}: ${result.reason}`;
  if (result.__typename === "UnknownCode" || result.__typename === "UnknownLot") {
    return result.message;
  }
  return null;
}
