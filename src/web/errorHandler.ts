import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { errors, GrantlineError } from "../errors.ts";
import { StoreFaultError } from "../store/storeFault.ts";

/** The one error handler: every failure leaves as a Graph error envelope; internals stay in the log. */
export function graphErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  const known = asGraphError(error, request);
  if (known.options.retryAfterSeconds !== undefined) void reply.header("retry-after", String(known.options.retryAfterSeconds));
  void reply.status(known.status).send({ error: known.toGraph(request.id) });
}

/** The catalogue error a failure is answered with; an unknown failure is logged and answered as internal. */
export function asGraphError(error: unknown, request: FastifyRequest): GrantlineError {
  let known: GrantlineError;
  if (error instanceof GrantlineError) {
    known = error;
  } else if (error instanceof StoreFaultError) {
    // The store reports (and logs) its own faults once per episode; each request only answers.
    known = error.kind === "disk_full" ? errors.storageFull() : errors.serviceUnavailable();
  } else if (!(error instanceof Error)) {
    request.log.error({ err: error }, "unhandled error");
    known = errors.internal();
  } else if ("code" in error && typeof error.code === "string" && error.code.startsWith("FST_CSRF_")) {
    known = errors.csrfInvalid();
  } else if ("validation" in error && error.validation) {
    known = errors.invalidParameter(`Invalid parameter: ${error.message}`);
  } else if ("statusCode" in error && typeof error.statusCode === "number" && error.statusCode < 500) {
    // Framework-level client errors (bad JSON, body too large, unsupported media type).
    known = errors.invalidParameter(clientErrorMessage(error as FastifyError));
  } else {
    request.log.error({ err: error }, "unhandled error");
    known = errors.internal();
  }
  // A 503 is a dependency's state, reported where it is watched (the store, the rate-limit store).
  if (known.status >= 500 && known.status !== 503 && error instanceof GrantlineError) request.log.error({ err: error }, "server error");
  return known;
}

function clientErrorMessage(error: FastifyError): string {
  switch (error.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return "The request body is not valid JSON.";
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return "The request body is too large.";
    case "FST_ERR_CTP_INVALID_MULTIPART_BODY":
      return "The multipart/form-data body could not be read.";
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return "Unsupported content type; send JSON, a form or multipart/form-data.";
    default:
      return "The request could not be read.";
  }
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  const path = request.originalUrl.split("?")[0] ?? request.originalUrl;
  const error = new GrantlineError("UNKNOWN_PATH", 400, 2500, `Unknown path components: ${path}`, { type: "OAuthException" });
  void reply.status(400).send({ error: error.toGraph(request.id) });
}
