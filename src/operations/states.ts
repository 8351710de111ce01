/**
 * The lifecycle of a neutralisation operation as one explicit table of transitions. Every change of
 * state goes through `transitionFor`: an action not in the table from the current state is refused
 * with the rule that forbids it, and so is an actor the row does not name.
 *
 *   draft → evidence_assembled → [council_review] → approval_requested → approved | rejected
 *   approved → measures_in_force → lifted → closed (after-action report)        rejected → closed
 *   emergency: evidence_assembled|council_review → emergency_declared → measures_in_force (emergency)
 *              → commission_notified (within the configured time) → ratified | ordered_lifted
 */
import type { Actor } from '../auth/index.js';
import { operationsError } from './errors.js';

export const STATES = [
  'draft',
  'evidence_assembled',
  'council_review',
  'approval_requested',
  'approved',
  'rejected',
  'emergency_declared',
  'measures_in_force',
  'commission_notified',
  'ratified',
  'ordered_lifted',
  'lifted',
  'closed',
] as const;
export type OperationState = (typeof STATES)[number];

export const ACTIONS = [
  'assemble_evidence',
  'record_council_review',
  'request_approval',
  'approve',
  'reject',
  'declare_emergency',
  'execute',
  'notify_commission',
  'ratify',
  'order_lift',
  'lift',
  'close',
] as const;
export type OperationAction = (typeof ACTIONS)[number];

/** Who may act: each a named test on the actor, so a refusal can say whom the rule wants. */
export type Party = 'agency_analyst' | 'agency_lead' | 'commission_member' | 'executor' | 'system';

export const PARTY_DESCRIPTION: Record<Party, string> = {
  agency_analyst: "an agency analyst (role agency_analyst in an organisation of kind 'agency')",
  agency_lead: "an agency lead (role agency_lead in an organisation of kind 'agency')",
  commission_member: "a commission member (role commission_member in an organisation of kind 'commission')",
  executor: "a member of an executing organisation (organisation of kind 'executor')",
  system: 'ACD itself (the expiry job)',
};

export function isParty(actor: Actor, party: Party): boolean {
  switch (party) {
    case 'agency_analyst':
      return actor.via !== 'system' && actor.orgKind === 'agency' && actor.roles.includes('agency_analyst');
    case 'agency_lead':
      return actor.via !== 'system' && actor.orgKind === 'agency' && actor.roles.includes('agency_lead');
    case 'commission_member':
      return actor.via !== 'system' && actor.orgKind === 'commission' && actor.roles.includes('commission_member');
    case 'executor':
      return actor.via !== 'system' && actor.orgKind === 'executor';
    case 'system':
      return actor.via === 'system';
  }
}

export interface Transition {
  action: OperationAction;
  from: readonly OperationState[];
  to: OperationState;
  by: readonly Party[];
  /** the rule in words, quoted when the transition is refused */
  rule: string;
}

/** The whole lifecycle. Anything not here is illegal. */
export const TRANSITIONS: readonly Transition[] = [
  { action: 'assemble_evidence', from: ['draft'], to: 'evidence_assembled', by: ['agency_analyst'],
    rule: 'an agency analyst assembles the evidence (at least one finding, report or intelligence item) of a draft' },
  { action: 'record_council_review', from: ['evidence_assembled'], to: 'council_review', by: ['agency_lead'],
    rule: "an agency lead records the security council's review once the evidence is assembled" },
  { action: 'request_approval', from: ['evidence_assembled', 'council_review'], to: 'approval_requested', by: ['agency_lead'],
    rule: "an agency lead requests the commission's approval of assembled evidence and planned measures (serious cases after the security council's review)" },
  { action: 'approve', from: ['approval_requested'], to: 'approved', by: ['commission_member'],
    rule: 'a commission member approves a requested operation, with conditions and an expiry' },
  { action: 'reject', from: ['approval_requested'], to: 'rejected', by: ['commission_member'],
    rule: 'a commission member rejects a requested operation, with a reason' },
  { action: 'declare_emergency', from: ['evidence_assembled', 'council_review'], to: 'emergency_declared', by: ['agency_lead'],
    rule: 'an agency lead declares an emergency on assembled evidence, before any request to the commission' },
  { action: 'execute', from: ['approved', 'emergency_declared'], to: 'measures_in_force', by: ['executor'],
    rule: 'an executing organisation executes an approved operation or a declared emergency' },
  { action: 'notify_commission', from: ['measures_in_force'], to: 'commission_notified', by: ['agency_lead'],
    rule: 'an agency lead notifies the commission of an emergency operation within the configured time' },
  { action: 'ratify', from: ['commission_notified'], to: 'ratified', by: ['commission_member'],
    rule: 'a commission member ratifies a notified emergency operation, with conditions and an expiry' },
  { action: 'order_lift', from: ['commission_notified'], to: 'ordered_lifted', by: ['commission_member'],
    rule: 'a commission member orders a notified emergency operation lifted' },
  { action: 'lift', from: ['approved', 'measures_in_force', 'commission_notified', 'ratified', 'ordered_lifted', 'emergency_declared'], to: 'lifted', by: ['agency_lead', 'executor', 'system'],
    rule: 'an agency lead, the executing organisation or ACD on expiry lifts the measures of an operation' },
  { action: 'close', from: ['lifted', 'rejected'], to: 'closed', by: ['agency_lead'],
    rule: 'an agency lead closes a lifted operation with an after-action report, or a rejected one' },
];

const BY_ACTION = new Map<OperationAction, Transition>(TRANSITIONS.map((t) => [t.action, t]));

/** Where the action is legal from at all (for messages and the UI). */
export function legalActions(state: OperationState): OperationAction[] {
  return TRANSITIONS.filter((t) => t.from.includes(state)).map((t) => t.action);
}

export function isState(s: string): s is OperationState {
  return (STATES as readonly string[]).includes(s);
}

export function isAction(s: string): s is OperationAction {
  return (ACTIONS as readonly string[]).includes(s);
}

/**
 * The transition an actor may take from a state, or the refusal naming the rule: ILLEGAL_TRANSITION
 * (409) when the action does not leave this state, NOT_PERMITTED (403) when the actor is not a party
 * the rule names.
 */
export function transitionFor(state: OperationState, action: OperationAction, actor: Actor): Transition {
  const t = BY_ACTION.get(action);
  if (!t) throw operationsError('UNKNOWN_ACTION', `operation action ${action} does not exist`);
  if (!t.from.includes(state)) {
    const legal = legalActions(state);
    throw operationsError(
      'ILLEGAL_TRANSITION',
      `${action} is not allowed from state ${state}: rule "${t.rule}" (only from ${t.from.join(', ')}); from ${state} the lifecycle allows ${legal.length ? legal.join(', ') : 'nothing'}`,
      { status: 409, details: { state, action, rule: t.rule } },
    );
  }
  if (!t.by.some((p) => isParty(actor, p))) {
    throw operationsError(
      'NOT_PERMITTED',
      `${action} refused for ${actor.username}: rule "${t.rule}" — it is taken by ${t.by.map((p) => PARTY_DESCRIPTION[p]).join(' or ')}`,
      { status: 403, details: { state, action, rule: t.rule } },
    );
  }
  return t;
}
