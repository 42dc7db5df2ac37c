// Reading /admin/api/nodes, which has two shapes: a single node answers
// {mode: 'single', nodes: [its own line]}; a cluster node answers {mode: 'cluster', self,
// partitions, serving, nodes: [each member with its partitions]} (cluster/cluster_api.cpp).

import { palette } from './charts.js';

/** True when the answer is a cluster's. */
export const isCluster = (data) => data.mode === 'cluster';

/**
 * This node's entry: in a cluster the member whose id is `self` (null until this node's
 * first report reached the members topic), else the only entry.
 */
export function selfNode(data) {
  if (isCluster(data)) return data.nodes.find((n) => n.id === data.self) ?? null;
  return data.nodes[0] ?? null;
}

/** Partitions a member serves, ascending. */
export function servedPartitions(node) {
  return node.partitions.filter((p) => p.state === 'serving').map((p) => p.partition).sort((a, b) => a - b);
}

/** [0, 1, 2, 3, 6] -> "0-3, 6"; "–" when empty. */
export function ranges(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b);
  const parts = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j;
  }
  return parts.length ? parts.join(', ') : '–';
}

/**
 * One entry per partition 0..P-1: {partition, owner, node, state, epoch, lag, moving}.
 * `owner` is the member serving it (the highest epoch, should a stale report still list an
 * old owner, as the server's members_view does). A partition nobody serves is `moving`;
 * `node` and `state` then name the member with the newest claim on it (claiming,
 * restoring or revoking), or are null and 'unassigned' when no member lists it.
 */
export function partitionMap(data) {
  const cells = [];
  for (let p = 0; p < data.partitions; p++) {
    cells.push({ partition: p, owner: null, node: null, state: 'unassigned', epoch: null, lag: null, moving: true });
  }
  const better = (cell, entry) => {
    if (cell.node === null) return true;
    const serving = entry.state === 'serving';
    const cellServing = cell.state === 'serving';
    if (serving !== cellServing) return serving;
    return entry.epoch > cell.epoch;
  };
  for (const node of data.nodes) {
    for (const entry of node.partitions) {
      const cell = cells[entry.partition];
      if (!cell || !better(cell, entry)) continue;
      Object.assign(cell, { node: node.id, state: entry.state, epoch: entry.epoch, lag: entry.lag });
    }
  }
  for (const cell of cells) {
    cell.moving = cell.state !== 'serving';
    cell.owner = cell.moving ? null : cell.node;
  }
  return cells;
}

// Node colours avoid the palette's green, amber and red, which mean partition states.
const NODE_COLORS = [palette[0], palette[4], palette[5], palette[6], palette[7]];

/** A colour per member, by its place in the (id-sorted) list. */
export function nodeColor(data, id) {
  const i = data.nodes.findIndex((n) => n.id === id);
  return i < 0 ? '#9ca3af' : NODE_COLORS[i % NODE_COLORS.length];
}
