/** A state machine as a table of allowed edges; anything not listed is refused. */
export type Edges<S extends string> = Readonly<Record<S, readonly S[]>>;

export function canMove<S extends string>(edges: Edges<S>, from: S, to: S): boolean {
  return edges[from].includes(to);
}

export function isTerminal<S extends string>(edges: Edges<S>, s: S): boolean {
  return edges[s].length === 0;
}
