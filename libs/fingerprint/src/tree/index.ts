export { buildTraceTree, compareDuplicates } from './trace-tree.builder';
export * from './trace-tree.model';
