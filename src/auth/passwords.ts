/**
 * Password strength (issue #20): zxcvbn-ts with its common-password and English dictionaries estimates
 * how many guesses a password takes; below score 3 ("safely unguessable: moderate protection from an
 * offline slow-hash scenario", ~10^8 guesses) or shorter than MIN_PASSWORD_LENGTH it is refused, with
 * the estimator's warning. The person's own username and display name count as known words.
 */
import { zxcvbn, zxcvbnOptions } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { MIN_PASSWORD_LENGTH } from './secrets.js';
import { authError } from './errors.js';

export const MIN_PASSWORD_SCORE = 3;

let configured = false;
function configure(): void {
  if (configured) return;
  zxcvbnOptions.setOptions({
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...en.dictionary },
    translations: en.translations,
  });
  configured = true;
}

/** Throws WEAK_PASSWORD (400) naming why, when `password` is too easy to guess. */
export function checkPasswordStrength(password: string, userInputs: string[] = []): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw authError('WEAK_PASSWORD', `a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.trim() === '') throw authError('WEAK_PASSWORD', 'a password cannot be only spaces');
  configure();
  // the estimator's cost grows with the length; what matters for guessing is the start
  const r = zxcvbn(password.slice(0, 256), userInputs.filter((s) => s.length > 0));
  if (r.score < MIN_PASSWORD_SCORE) {
    const why = [r.feedback.warning, ...r.feedback.suggestions].filter((s) => s).join(' ');
    throw authError('WEAK_PASSWORD', `this password is too easy to guess (strength ${r.score} of 4, needs ${MIN_PASSWORD_SCORE})${why ? `: ${why}` : ''}`, { details: { score: r.score, minimum: MIN_PASSWORD_SCORE } });
  }
}
