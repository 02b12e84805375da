export { spanLabel, kindName, labelService, labelIsInbound } from './span-label.builder';
export {
  entryEndpoint,
  entryEndpointDetail,
  isCatchAllRoute,
  type EntryEndpointDetail,
} from './entry-endpoint.resolver';
export {
  spanEndpoint,
  parseEndpointRules,
  servesSameRequest,
  ENDPOINT_RULES,
  NO_ENDPOINT_RULES,
  type EndpointRule,
  type EndpointRules,
  type LookThrough,
} from './endpoint.rules';
export { semanticKey, keyPrefix, KEYLESS_COMMANDS } from './semantic-key.builder';
export { normalizeUrlPath, normalizeHost, ID_PLACEHOLDER } from './url-path.normalizer';
export {
  normalizeOperation,
  normalizeSqlText,
  MAX_OPERATION_LENGTH,
} from './operation-name.normalizer';
export { parseSqlStatement, type SqlSummary } from './sql-statement.parser';
export { parseDbSpanName, completeFromSpanName } from './db-span-name.parser';
export { isIdToken, isIpAddress } from './id-token.classifier';
