/** Numbers and times as the views show them. */

export const percent = (fraction: number, digits = 1): string =>
  `${(fraction * 100).toFixed(digits)}%`;

/** Microseconds as milliseconds, with fewer decimals as they grow. */
export function msOfUs(us: number): string {
  return ms(us / 1000);
}

export function ms(value: number): string {
  if (value >= 100) return `${value.toFixed(0)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

export const count = (n: number): string => n.toLocaleString('en');

/** The operation part of an endpoint key: `storefront|HTTP POST /checkout` → `HTTP POST /checkout`. */
export function operationOf(endpointKey: string): string {
  const bar = endpointKey.indexOf('|');
  return bar >= 0 ? endpointKey.slice(bar + 1) : endpointKey;
}

export function serviceOf(endpointKey: string): string {
  const bar = endpointKey.indexOf('|');
  return bar >= 0 ? endpointKey.slice(0, bar) : endpointKey;
}

/** ClickHouse DateTime64 text (UTC) as a local, readable time. */
export function when(clickhouseText: string): string {
  const d = new Date(`${clickhouseText.replace(' ', 'T')}Z`);
  return Number.isNaN(d.getTime()) ? clickhouseText : d.toLocaleString('en-GB');
}

export const shortHash = (h: string): string => h.slice(0, 8);
