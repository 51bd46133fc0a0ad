// How deeply a parsed JSON value nests, for the limits that keep hostile JSON away from recursive
// code (the API's free-form fields, the engine ↔ sandbox wire, what guest code hands the host).

/** Nesting depth of a parsed JSON value, without recursion (any depth can be measured); stops counting once past `stopAt`. */
export function jsonDepth(value: unknown, stopAt = Infinity): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth > deepest) deepest = depth;
    if (deepest > stopAt) return deepest;
    for (const child of Object.values(item)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return deepest;
}
