/**
 * The error codes of the pipeline (analyze, the live bus connection): each an AcdError the API turns into `{error: code, message}`
 * (the status is the code's unless a thrower names another). Every code ACD returns is declared in exactly one
 * part's list (test/repo/error-codes.test.ts); docs/ERRORS.md lists them all.
 */
import { errorFactory, type ErrorSpec } from '../shared/errors.js';

export const PIPELINE_ERRORS = {
  BAD_INDICATORS: { status: 400, doc: '--indicators …: not readable JSON (…)' },
  BUS_CONNECT: { status: 400, doc: 'bus=jetstream: cannot use NATS JetStream at …: …' },
} as const satisfies Record<string, ErrorSpec>;

export type PipelineErrorCode = keyof typeof PIPELINE_ERRORS;
export const pipelineError = errorFactory(PIPELINE_ERRORS);
