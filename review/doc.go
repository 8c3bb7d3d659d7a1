// Package review owns the decision "should this tenant's mail go out now,
// wait, or wait for a person": tenant risk, campaign detection across young
// tenants, probation, linked tenants, held mail, review cases and support
// decisions, bounce/complaint feedback, and the durable delivery of released
// mail. All state lives in the shared database (migrations 0004, 0006), so any
// number of outpost instances share it.
//
// # The path of one message
//
// The relay calls Assess after scoring and, when the decision is Hold, Hold.
// Assess is bookkeeping plus a decision: two reads, then a handful of
// indexed statements in one transaction (one commit):
//
//   - tenant risk (review_tenants): counts, a decayed mean and max score
//     (half-life RiskHalfLife, 7 days), a decayed velocity (about an hour),
//     recipients and recipient-domain spread, decayed bounce/complaint rates,
//     signup traits (network /24 or /48, contact domain unless free-mail,
//     country), a 0..100 risk that orders the review queue;
//   - fingerprints of young tenants' mail (review_fps), one row per tenant
//     and near-duplicate cluster. The 64-bit SimHash is stored with its four
//     16-bit bands, each indexed; a lookup probes every band's value and its
//     16 one-bit neighbours (68 index probes), which by pigeonhole finds every
//     fingerprint within Hamming distance 7 (MaxDistance; scoring's
//     SameCampaign 0.89) without a scan;
//   - templates (review_templates): fingerprints that established tenants
//     (paid, or older than EstablishedAge 30 days; active, not in a
//     campaign) send without a reject verdict, or that support approved (an
//     approved case's held mail, ApproveTemplate, a dismissed campaign),
//     with the highest score a vouched-for copy had. Evidence is summed over
//     all template rows in reach: content is a proven template once
//     TemplateMinTenants (2) tenants vouched for it. A template's copies
//     (own line items, names, amounts) spread wider than a campaign's, so
//     when the 7-bit lookup does not explain a young tenant's mail and it
//     has look-alikes (or is a probation message the scorer alone would
//     hold) the lookup widens to TemplateWideDistance (11 bits; each band
//     and its values within 2 bits, 137 probes a band). It widens even when
//     the 7-bit lookup found a proven template: rows further out carry more
//     evidence and may carry a higher vouched-for score (a copy at 4.7 of a
//     template vouched for at 3.5 within 7 bits and at 4.94 within 11 is
//     explained, not a campaign);
//   - link domains: when first seen, how many young tenants link to them,
//     whether an established tenant ever did.
//
// Decision, in order: content reject (scoring) → Reject; tenant status
// review → Hold "tenant.review"; campaign → Hold "campaign"; scoring hold →
// Hold "content.hold", except a probation message that is a proven
// template's copy (the template rule below) → Hold "probation"; probation →
// Hold "probation"; else Relay.
//
// # Durability of the bookkeeping
//
// On PostgreSQL Assess's transaction commits with synchronous_commit off
// (SET LOCAL): it records counters, fingerprints, templates and samples,
// not mail, and a database crash can lose at most the last few hundred
// milliseconds of it (wal_writer_delay × 3), never a committed hold, case,
// decision or release (those are their own, synchronous transactions).
// This saved 18% of the relay's time with review on PostgreSQL
// (BenchmarkPipeline/product-pg, 900 → 1,065 msg/s). What bounds that
// benchmark is one busy tenant: every message updates the same
// review_tenants, template and recipient-domain rows, so its
// transactions queue on those row locks for ~1 ms each; aggregating a busy
// tenant's bookkeeping in memory and writing it behind is the next step.
//
// # The template rule
//
// One function (templateCovers) for Assess and ReleaseDue: content near a
// proven template is explained by it while it scores below
// max(SuspiciousScore, the template's highest vouched-for score +
// TemplateScoreMargin (1)) and links to no suspicious new domain. Explained
// content never forms or joins a campaign, and on probation it is judged by
// its look-alikes, not by its score: platform invoices and quotes score 4–5.5
// with some models, and the paid tenants who send them vouch for exactly
// that. A held message keeps the link domains review tracked for it
// (migration 0006), so the release applies the rule to the same links.
//
// # Campaigns
//
// A young tenant is a trial tenant younger than YoungAge (7 days). Its
// message forms a campaign with the near-identical mail of other young
// tenants seen within CampaignWindow (24h) when the number of tenants reaches
//
//   - CampaignMinTenantsBoost (2) when something corroborates: a shared
//     signup network or contact domain, a shared recipient list (one-value
//     MinHash of the recipients), a new link domain linked from
//     LinkMinTenants (3) young tenants within LinkWindow (48h) that no
//     established tenant uses, or a content score of SuspiciousScore (2.5);
//   - CampaignMinTenants (3) otherwise;
//   - CampaignMinTenantsClean (6) when every copy scores below CleanScore (1).
//
// Content the template rule explains (the copies' highest score is used)
// never forms or joins a campaign: a look-alike of an invoice that scores spammier than real invoices, or
// points somewhere new, is not protected. Similarity alone does not make a
// campaign, since the platform's invoices, quotes and password resets are
// near-identical across thousands of honest tenants. A new link domain alone
// forms a "link" campaign when the message itself scores SuspiciousScore.
// Every tenant of a campaign gets a holding case linked to it; once a
// campaign is known, a young tenant's first matching message joins it and is
// held at once. DecideCampaign settles all its cases; approving dismisses the
// campaign and approves its content as a template.
//
// # Probation
//
// A trial tenant younger than ProbationAge (7 days) has its first
// ProbationMessages (20) messages held for ProbationDelay (5 minutes). Mail
// only to the tenant's verified domains (Options.Domains) skips probation.
// ReleaseDue then releases a message when the tenant is still active, its
// score is below ProbationCleanScore (4) or the template rule explains it,
// and no other young tenant sent similar mail that is not a proven template,
// nor the tenant itself ProbationBulkCopies (5) copies of it; a look-alike
// extends the wait by ProbationDelay up to ProbationMaxDelay (1h) after
// receipt, so a slow campaign is recognised before its first copies go out;
// any other score of 4 or more opens a holding case. Probation holds do not open cases; probation mail of a
// tenant put under review waits for the decision, of a suspended tenant is
// discarded (audited).
//
// # Linked tenants
//
// A trial tenant created within LinkWindowForTenants (30 days) of other trial
// tenants that share its signup network, contact domain or payment
// fingerprint (RegisterTenant) shares one quota budget with them
// (Quotas.SetBudget, id "linked:<first tenant>"). Shared traits also
// corroborate a campaign.
//
// # Earned raises
//
// With Options.Proposer (quota's ProposeEarnedRaises behind an adapter),
// RunWorkers asks every EarnedRaiseEvery (6h) for tenants that sent near
// their limit for a week and that review finds Clean (active, no open case,
// nothing held, not in a campaign, mean score and feedback rates below the
// thresholds), and opens a non-holding case for each; approving it with
// RaiseQuota raises the quota one step.
//
// # Cases and decisions
//
// One open case per tenant (a partial unique index), with one reason row per
// code (the heaviest weight kept, a count), a priority from the tenant's risk
// (at least 70 for campaign members), an assignee, notes and history (the
// audit log under "case:<id>"). Holding cases (campaign, probation score,
// feedback at pause level, content holds as below) set the tenant's status
// to review, so all its mail is held; quota-raise requests, earned-raise
// proposals and feedback at review level do not. The status changes (by
// "system", audited as tenant.status) in the transaction that opens or
// extends the case and stores a held message, taking the case row, then the
// tenant row, as Decide does: a decision comes wholly before or after it, so
// a tenant is under review exactly while a holding case is open. A hold that
// finds the tenant's case decided since it looked opens a new case rather than
// extend the decided one, where its message would stay held.
//
// # Proportionate content holds
//
// A message the scorer holds (content.hold) is always held and always opens
// or extends the tenant's case. Whether the case holds the tenant's other
// mail depends on the evidence (contentFreeze; the case reason says which
// applied):
//
//   - content strikes within ContentStrikeWindow (24h), this message
//     included, reaching ContentStrikesToFreeze (3) always do; a content hold
//     counts 1, a content reject 2. So three holds in a day, or a reject and
//     a hold, freeze any tenant: a taken-over account sends a burst, and
//     three of its messages at the hold threshold are evidence enough that
//     its mail just below the threshold should wait too. A day is about the
//     support queue's turnaround; an honest tenant's false positives are
//     rarer than that.
//   - below that, a hold freezes the tenant unless it has a clean history:
//     established (paid, or older than EstablishedAge 30 days), active, in no
//     campaign, more than TrustMinMessages (5) earlier messages, a decayed
//     mean score below SuspiciousScore (2.5), bounce and complaint rates
//     below the review thresholds. Then only the message waits and the case
//     does not hold: one false positive of a paying customer must not stop
//     its invoices (in the end-to-end run 6 of the 9 tenants frozen that way
//     were paid and established). Five messages are the fewest from which a
//     mean says anything; a paid account without that history is judged by
//     its first hold and frozen.
//   - trial tenants younger than EstablishedAge stay strict: their first hold
//     freezes them, as it freezes the bots. A proven template's copy on
//     probation is not a content hold (the template rule above).
//   - a content reject alone opens a non-holding case (its message is
//     refused anyway); with strikes at the limit the case holds.
//
// Campaigns, feedback at the pause level and holding cases of any other kind
// freeze the tenant regardless; a holding case is never downgraded. Decide: approve → status active, held mail queued
// for delivery, Learner.Learn(ham), optional Quotas.Raise; reject → status
// suspended, held mail discarded, Learner.Learn(spam). The case, the
// tenant's status (audited as tenant.status), its held mail and the
// review.decision audit row commit in one transaction, so the case and the
// status agree: of two concurrent decisions on one case one commits and the
// other gets ErrConflict; repeating a decision is a no-op.
//
// # Holding
//
// Held mail lives in review_held with its envelope, raw bytes, score, link
// domains and reason. A tenant may hold at most HeldMaxCount (500) messages and
// HeldMaxBytes (50 MiB); past that Hold returns a *TemporaryError (Temporary()
// true) wrapping ErrHeldCap so the relay answers 4xx. Two instances holding
// for one tenant at the same instant may overshoot the cap by one message.
//
// # Feedback
//
// RecordFeedback takes bounce/complaint events, idempotent by event id. Rates
// are decayed counts (half-life FeedbackHalfLife, 7 days) over recipients
// relayed; with at least FeedbackMinVolume (100) recipients, bounces at 5% /
// complaints at 0.1% open a case, and 10% / 0.5% make it a holding case.
//
// # Release delivery
//
// Released mail (approve, single release, probation) is delivered by
// DeliverDue from the database, never while a client waits: claim with a
// lease (DeliveryLease 2 minutes; each attempt bounded by DeliveryTimeout 1
// minute), deliver, and in one UPDATE right after the upstream's answer mark
// accepted recipients done. Temporary failures retry with exponential backoff
// (RetryBase 30s doubling to RetryMax 1h, MaxAttempts 20); permanent failures
// are recorded on the case. The one crash window left: a process dying
// between the upstream's 250 and that UPDATE redelivers the message after
// the lease expires (a duplicate, never a loss). RunWorkers runs probation
// release, delivery and housekeeping until its context ends.
//
// # Metrics
//
// RegisterMetrics registers these on a prometheus.Registerer (serve's
// /metrics). Labels take values from fixed sets only, never tenant ids; the
// counters count what this instance did, after the transaction committed.
// Assess pays a map lookup and an atomic add per message.
//
//   - outpost_review_assessed_total{action,reason}: Assess answers; action
//     relay|hold|reject, reason the decision code (clean, probation,
//     campaign, content.hold, tenant.review, content.reject,
//     tenant.suspended; other).
//   - outpost_review_hold_refused_total: holds refused at HeldMaxCount or
//     HeldMaxBytes (4xx).
//   - outpost_review_cases_opened_total{reason}: cases opened (not
//     extended) by the reason code that opened them (campaign, content.hold,
//     content.reject, tenant.review, probation.score, bounces, complaints,
//     quota.raise_request, quota.earned_raise; other).
//   - outpost_review_decisions_total{decision,scope}: decisions committed
//     (repeats are not counted); decision approve|reject, scope single
//     (Decide), campaign (each case DecideCampaign settles), message
//     (ReleaseMessage approve, DiscardMessage reject).
//   - outpost_review_held_messages{state}: gauge of held mail waiting in the
//     whole database: probation, review (waiting for a decision), queued
//     (released, waiting for delivery). RunWorkers refreshes it every
//     MetricsEvery (15s) from three indexed counts, not per scrape; every
//     instance reports the same numbers (aggregate with max, not sum).
//     outpost_review_held_messages_refreshed_timestamp_seconds says when.
//   - outpost_review_probation_total{outcome}: probation waits that ended:
//     released, extended, review, discarded.
//   - outpost_review_deliveries_total{outcome}: delivery attempts of
//     released mail: sent, failed (given up), retry (temporary failure).
//   - outpost_review_campaigns_total{kind}: campaigns recognised, content or
//     link.
//
// Left as it is: a young tenant's copy of a proven template that scores
// above the template's vouched-for score + margin forms a campaign with the
// other young tenants' copies in the window, and the campaign takes in their
// tenants too, explained copies or not.
//
// Concurrency notes: counters are updated with relative UPDATEs; decay
// factors are computed from the last read, so two instances updating one
// tenant at once decay slightly twice. Two instances forming the same
// campaign at the same instant may create two campaigns.
package review
