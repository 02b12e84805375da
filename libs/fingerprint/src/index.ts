export * from './window/quantile.sketch';
export * from './window/trace-id.hash';
export * from './window/trace.sample';
export * from './window/representative.chooser';
export * from './window/window-aggregate.model';
export * from './window/window-aggregate.merge';
export * from './window/window.aggregator';
