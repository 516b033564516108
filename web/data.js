// The playground's data: three sources, generated from a seed so every load
// (and the browser test) sees the same world.
//   issues     an issue tracker's issues
//   scores     a model's relevance score per issue (rescored continuously)
//   reactions  a live stream of emoji reactions on issues
// and the stream of writes: each touches exactly one row of one source.

export const SCHEMA = {
  issues: {
    columns: { id: { type: 'bigint', nullable: false }, title: 'text', status: 'text', priority: 'int', assignee: 'text' },
    primaryKey: 'id',
  },
  scores: { columns: { issue_id: { type: 'bigint', nullable: false }, model: 'text', score: 'float8' }, primaryKey: 'issue_id' },
  reactions: { columns: { id: { type: 'bigint', nullable: false }, issue_id: 'bigint', emoji: 'text' }, primaryKey: 'id' },
};

export const STATUSES = ['open', 'triage', 'closed'];
// Reactions by name, as GitHub's API names them (no emoji font needed to show them).
export const EMOJI = ['+1', 'hooray', 'heart', 'rocket', 'eyes', 'confused'];

/** mulberry32: a small seeded PRNG in [0, 1). */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VERBS = ['Crash', 'Slow render', 'Memory leak', 'Wrong total', 'Timeout', 'Flaky test', 'Broken link', 'Race',
  'Stale cache', 'Typo', 'Deadlock', 'Missing index', 'Bad redirect', 'Off-by-one', 'Layout shift'];
const WHERE = ['in checkout', 'on the dashboard', 'when exporting CSV', 'in the sync worker', 'after login',
  'in search', 'on mobile Safari', 'in the billing job', 'when offline', 'in dark mode', 'with 10k rows',
  'in the API gateway', 'during deploys', 'in notifications', 'on first paint'];
const PEOPLE = ['ada', 'grace', 'linus', 'barbara', 'ken', 'margaret', 'dennis', 'frances', null];

/** The initial rows: `issues` issues, one score each, `reactions` reactions. */
export function initialData({ issues = 10000, reactions = 20000, seed = 8 } = {}) {
  const rnd = random(seed);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const issueRows = [];
  const scoreRows = [];
  for (let id = 1; id <= issues; id++) {
    const r = rnd();
    issueRows.push({
      id,
      title: `${pick(VERBS)} ${pick(WHERE)}`,
      status: r < 0.55 ? 'open' : r < 0.75 ? 'triage' : 'closed',
      priority: 1 + Math.floor(rnd() * 4),
      assignee: pick(PEOPLE),
    });
    scoreRows.push({ issue_id: id, model: 'rank-v2', score: Math.round(rnd() ** 3 * 10000) / 10000 });
  }
  const reactionRows = [];
  for (let id = 1; id <= reactions; id++) {
    // Popular issues get more reactions (a skewed distribution).
    reactionRows.push({ id, issue_id: 1 + Math.floor(rnd() ** 2 * issues), emoji: pick(EMOJI) });
  }
  return { issues: issueRows, scores: scoreRows, reactions: reactionRows };
}

/**
 * The stream of writes. next(visibleIds) returns {source, text, apply(tx)}:
 * one change to one row. Half of the writes aim at issues the view shows,
 * so the view visibly moves; the rest land anywhere in the 10,000.
 */
export function writeStream({ issues, reactions, seed = 99 }) {
  const rnd = random(seed);
  let nextReaction = reactions + 1;
  const target = (visible) => (visible.length && rnd() < 0.5
    ? visible[Math.floor(rnd() * visible.length)]
    : 1 + Math.floor(rnd() * issues));
  return {
    next(visible, db) {
      const r = rnd();
      const id = target(visible);
      if (r < 0.5) {
        const old = db.get('scores', id).score;
        const score = Math.round(Math.min(1, Math.max(0, old + (rnd() - 0.45) * 0.5)) * 10000) / 10000;
        return {
          source: 'scores',
          text: `rescore #${id}  ${old.toFixed(4)} → ${score.toFixed(4)}`,
          apply: (tx) => tx.update('scores', id, { score }),
        };
      }
      if (r < 0.85) {
        const emoji = EMOJI[Math.floor(rnd() * EMOJI.length)];
        const rid = nextReaction++;
        return {
          source: 'reactions',
          text: `:${emoji}: on #${id}`,
          apply: (tx) => tx.insert('reactions', { id: rid, issue_id: id, emoji }),
        };
      }
      const issue = db.get('issues', id);
      if (rnd() < 0.6) {
        const status = STATUSES[(STATUSES.indexOf(issue.status) + 1 + Math.floor(rnd() * 2)) % 3];
        return {
          source: 'issues',
          text: `#${id} status ${issue.status} → ${status}`,
          apply: (tx) => tx.update('issues', id, { status }),
        };
      }
      const priority = 1 + ((issue.priority + Math.floor(rnd() * 3)) % 4);
      return {
        source: 'issues',
        text: `#${id} priority P${issue.priority} → P${priority}`,
        apply: (tx) => tx.update('issues', id, { priority }),
      };
    },
  };
}
