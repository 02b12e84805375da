export const MODELING_CONFIG = Symbol('MODELING_CONFIG');
