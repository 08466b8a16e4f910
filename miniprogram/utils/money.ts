/** 5000 fen → "50元", 5000000 fen → "5万元": how amounts are said aloud. */
export function yuan(fen: number): string {
  const y = fen / 100;
  if (y >= 10000 && y % 10000 === 0) return `${y / 10000}万元`;
  return `${Number.isInteger(y) ? y : y.toFixed(2)}元`;
}
