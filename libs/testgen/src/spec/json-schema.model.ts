/**
 * The subset of JSON Schema (draft 2020-12) the test spec schema is written in, and that
 * validateTestSpec interprets. Kept small on purpose: every keyword here is one the validator
 * implements, so the schema published for the LLM and the check run on its output cannot disagree.
 */
export interface JsonSchema {
  $schema?: string;
  $id?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  title?: string;
  description?: string;
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  minProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  enum?: readonly (string | number | boolean)[];
  const?: string | number | boolean;
  minLength?: number;
  pattern?: string;
  /** `regex`: the string must compile as a JavaScript regular expression. */
  format?: 'regex';
  minimum?: number;
  /**
   * Exactly one branch must match. When every branch is an object schema with a `const` on the same
   * property (a discriminator, like `kind` or `type`), the validator picks the branch by that
   * property and reports only its errors, which keeps messages short enough to repair from.
   */
  oneOf?: JsonSchema[];
}
