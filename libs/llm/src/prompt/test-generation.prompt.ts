import type { BehaviourEvidence, SystemModel } from '@t2t/model';
import {
  buildEndpointContext,
  PromptInputError,
  type EndpointContext,
} from './endpoint-context.builder';
import { FEW_SHOT_EXAMPLE } from './few-shot.example';
import { llmSpecSchema } from './llm-spec.schema';
import { approxTokens, CHARS_PER_TOKEN, PROMPT_VERSION } from './prompt.version';
import { summarizeTrace } from './trace-tree.summarizer';

/**
 * The generation prompt: a system message (the task's rules, the spec format's JSON Schema, one
 * example spec) and a user message (a compact model of one endpoint and its representative traces,
 * then the request). Pure and deterministic: the same model, evidence and options give the same
 * text, so a prompt can be reproduced from a test's provenance.
 */

export interface PromptInput {
  systemModel: SystemModel;
  evidence: readonly BehaviourEvidence[];
  /** Endpoint key of the entry endpoint to write tests for. */
  endpoint: string;
}

export interface PromptOptions {
  /** Most specs to ask for. */
  maxTests: number;
  /** Size cap, in approximate tokens (CHARS_PER_TOKEN characters each). */
  maxPromptTokens: number;
}

export interface PromptSize {
  chars: number;
  approxTokens: number;
  maxTokens: number;
  /** What was left out to fit the cap, in the order it was cut; empty when nothing was. */
  omitted: string[];
}

export interface GenerationPrompt {
  version: string;
  system: string;
  user: string;
  size: PromptSize;
  /** Behaviour fingerprint → id of its representative trace, for the behaviours shown as trees. */
  shownTraces: ReadonlyMap<string, string>;
  /** The endpoint's behaviours, busiest first. */
  behaviours: readonly string[];
}

export class PromptTooLargeError extends Error {
  override readonly name = 'PromptTooLargeError';
}

export { PromptInputError };

/** How much of the context is rendered; cut step by step until the prompt fits. */
interface Detail {
  neighbours: boolean;
  behaviourEdges: boolean;
  entities: boolean;
  /** Behaviours (busiest first) whose representative trace is shown. */
  trees: number;
  rules: number;
  /** Lines per trace tree; undefined for all. */
  treeLines: number | undefined;
}

/** Shortest a tree is cut to before the prompt is given up as too large. */
const MIN_TREE_LINES = 15;

export function buildGenerationPrompt(
  input: PromptInput,
  options: PromptOptions,
): GenerationPrompt {
  const ctx = buildEndpointContext(input.systemModel, input.evidence, input.endpoint);
  const system = renderSystemMessage();
  const ruleAttributes = new Set(ctx.rules.flatMap((r) => r.atoms.map((a) => a.attribute)));
  const trees = ctx.behaviours.map(({ evidence }) =>
    evidence?.representative === undefined
      ? undefined
      : summarizeTrace(evidence.representative, { ruleAttributes, siblings: evidence.samples }),
  );
  const detail: Detail = {
    neighbours: true,
    behaviourEdges: true,
    entities: true,
    trees: ctx.behaviours.length,
    rules: ctx.rules.length,
    treeLines: undefined,
  };
  const omitted: string[] = [];
  const render = () => renderUserMessage(ctx, trees, detail, omitted, options.maxTests);
  const maxChars = options.maxPromptTokens * CHARS_PER_TOKEN;
  let user = render();
  for (const cut of cutsFor(ctx, trees, detail)) {
    if (system.length + user.length <= maxChars) break;
    if (!cut.applies()) continue;
    cut.apply();
    omitted.push(cut.what);
    user = render();
  }
  const chars = system.length + user.length;
  if (chars > maxChars) {
    throw new PromptTooLargeError(
      `the prompt for ${input.endpoint} needs ~${approxTokens(chars)} tokens even after cutting (${omitted.join('; ')}); the cap is ${options.maxPromptTokens} (LLM_MAX_PROMPT_TOKENS)`,
    );
  }
  const shownTraces = new Map<string, string>();
  ctx.behaviours.slice(0, detail.trees).forEach(({ behaviour, evidence }) => {
    if (evidence?.representative !== undefined) {
      shownTraces.set(behaviour.fingerprint, evidence.representative.traceId);
    }
  });
  return {
    version: PROMPT_VERSION,
    system,
    user,
    size: { chars, approxTokens: approxTokens(chars), maxTokens: options.maxPromptTokens, omitted },
    shownTraces,
    behaviours: ctx.behaviours.map((b) => b.behaviour.fingerprint),
  };
}

interface Cut {
  what: string;
  applies: () => boolean;
  apply: () => void;
}

/**
 * Cut order: what a spec needs least goes first. Neighbours and edge lists repeat what the trees
 * show; quieter behaviours' trees go before the busiest one's (specs are only asked for behaviours
 * whose tree is shown); rules go last but one, because each becomes a conditional test nothing
 * else in the prompt suggests; long trees are shortened last.
 */
function cutsFor(
  ctx: EndpointContext,
  trees: readonly (readonly string[] | undefined)[],
  detail: Detail,
): Cut[] {
  const cuts: Cut[] = [
    {
      what: 'the endpoints it reaches',
      applies: () => ctx.neighbours.length > 0,
      apply: () => (detail.neighbours = false),
    },
    {
      what: 'the edge lists of the behaviours',
      applies: () => ctx.behaviours.some((b) => b.behaviour.edges.length > 0),
      apply: () => (detail.behaviourEdges = false),
    },
  ];
  for (let i = ctx.behaviours.length - 1; i >= 1; i--) {
    cuts.push({
      what: `the representative trace of behaviour ${ctx.behaviours[i].behaviour.fingerprint}`,
      applies: () => trees[i] !== undefined,
      apply: () => (detail.trees = i),
    });
  }
  cuts.push({
    what: 'the entity list',
    applies: () => ctx.entities.length > 0,
    apply: () => (detail.entities = false),
  });
  for (let i = ctx.rules.length - 1; i >= 1; i--) {
    const r = ctx.rules[i];
    cuts.push({
      what: `the rule "${r.effect} only if ${r.condition}"`,
      applies: () => true,
      apply: () => (detail.rules = i),
    });
  }
  for (const lines of [40, MIN_TREE_LINES]) {
    cuts.push({
      what: `trace lines beyond the first ${lines}`,
      applies: () => trees.some((t) => t !== undefined && t.length > lines),
      apply: () => (detail.treeLines = lines),
    });
  }
  return cuts;
}

function renderSystemMessage(): string {
  return [
    'You write end-to-end, trace-based tests for a distributed system that is observed through its OpenTelemetry traces. A test is a JSON document in the trace2test test spec format v1: a trigger (the request that starts a trace), the setup it needs, and assertions over the spans of the trace the trigger causes.',
    '',
    'Rules:',
    '1. Answer with one JSON array of spec objects and nothing else: no prose, no comments, no trailing commas.',
    '2. Every spec must validate against the JSON Schema below. Do not write `provenance` or `verification`: the generator adds them.',
    '3. `specVersion` is 1, `endpoint` is the endpoint under test, `id`s are unique and start with "llm-"; assertion ids are unique within a spec.',
    '4. Assert only what the recorded traces show. Each assertion is checked against every recorded trace of what the spec covers (a behaviour: its traces; a rule: every trace of the endpoint): a spec that asserts something false on one of them is rejected. Each assertion is also checked against mutated copies of those traces (a span removed, an attribute changed, the rule condition flipped): an assertion no mutation can break (for example, the absence of a span that never occurs) is dropped.',
    '5. Select spans with the exact values shown in the trace lines: `endpoint` for server and consumer spans, `semantic` (the part in [brackets]) for database, messaging and outgoing HTTP calls, otherwise `service`, `kind` and `operation` (the quoted name). `entry: true` selects the entry span.',
    '6. Attribute values are strings as stored: "200", "true", "42". A value marked ~ varies between recorded traces: match it with `type`, `regex` or `present`, never `equals`.',
    '7. `setup.request` lists the attributes the trigger sends: "pinned" when they decide the behaviour or a rule, "example" for ids. Put ids in a fixture and reference them in the trigger as {{fixture.field}}.',
    '',
    'JSON Schema of one spec:',
    JSON.stringify(llmSpecSchema()),
    '',
    'Example of one spec, for a different system:',
    JSON.stringify(FEW_SHOT_EXAMPLE),
  ].join('\n');
}

function renderUserMessage(
  ctx: EndpointContext,
  trees: readonly (readonly string[] | undefined)[],
  detail: Detail,
  omitted: readonly string[],
  maxTests: number,
): string {
  const { endpoint } = ctx;
  const out: string[] = [];
  out.push('# System model');
  out.push('');
  out.push(`Endpoint under test: ${endpoint.key}`);
  out.push(
    `(${endpoint.kind}, ${endpoint.traces} recorded traces, ${ctx.behaviours.length} behaviour(s), ${ctx.rules.length} rule(s))`,
  );

  out.push(
    '',
    '## Behaviours (structural variants, busiest first; cover one with covers.behaviour = its fingerprint)',
  );
  for (const { behaviour: b, evidence } of ctx.behaviours) {
    const recorded = evidence === undefined ? 0 : evidence.samples.length;
    out.push(
      `- ${b.fingerprint}: ${percent(b.share)} of traffic (${b.traces} traces, ${recorded} recorded with spans), error rate ${percent(b.errorRate)}, p50 ${ms(b.p50Us)}, p95 ${ms(b.p95Us)}`,
    );
    if (detail.behaviourEdges && b.edges.length > 0) out.push(`  uses: ${b.edges.join('; ')}`);
  }

  const rules = ctx.rules.slice(0, detail.rules);
  if (rules.length > 0) {
    out.push('', '## Rules (conditional behaviour; test each with a conditional assertion)');
    for (const r of rules) {
      out.push(
        `- ${r.effect} only if ${r.condition} (decided at ${r.at}; support ${r.support} traces, confidence ${r.confidence.toFixed(3)}, happens without the condition ${r.falseRate.toFixed(3)})`,
      );
      out.push(
        `  covers.rule = ${JSON.stringify({ endpoint: r.endpoint, at: r.at, condition: r.condition, effect: r.effect })}`,
      );
      out.push(`  when = ${JSON.stringify({ all: r.atoms, at: r.at })}`);
    }
  }

  if (detail.entities && ctx.entities.length > 0) {
    out.push('', '## Entities the endpoint touches');
    for (const { entity, uses } of ctx.entities) {
      out.push(`- ${entity.kind} ${entity.name} (${entity.system}): ${uses.join('; ')}`);
    }
  }

  if (detail.neighbours && ctx.neighbours.length > 0) {
    out.push('', '## Endpoints it reaches');
    for (const { endpoint: n, does } of ctx.neighbours) {
      out.push(`- ${n.key} (${n.kind})${does.length > 0 ? `: ${does.join('; ')}` : ''}`);
    }
  }

  out.push(
    '',
    '## Representative traces (one per behaviour)',
    'One line per span: service, kind, "operation", [semantic key], endpoint= for server/consumer spans, {attributes}; children indented below their parent in start order; ×N = N identical sibling spans; ~ = the value varies between recorded traces.',
  );
  ctx.behaviours.slice(0, detail.trees).forEach(({ behaviour }, i) => {
    const lines = trees[i];
    if (lines === undefined) return;
    const shown =
      detail.treeLines === undefined || lines.length <= detail.treeLines
        ? lines
        : [
            ...lines.slice(0, detail.treeLines),
            `  … ${lines.length - detail.treeLines} more spans`,
          ];
    out.push('', `### behaviour ${behaviour.fingerprint}`, ...shown);
  });

  if (omitted.length > 0) {
    out.push(
      '',
      `Note: shortened to fit the prompt budget; left out: ${omitted.join('; ')}. Write specs only for what is shown.`,
    );
  }

  const shownBehaviours = ctx.behaviours
    .slice(0, detail.trees)
    .filter((_, i) => trees[i] !== undefined)
    .map((b) => b.behaviour.fingerprint);
  out.push(
    '',
    '# Task',
    '',
    `Write at most ${maxTests} test specs for ${endpoint.key}:`,
    `- one per behaviour whose trace is shown (${shownBehaviours.join(', ')}): covers.behaviour = its fingerprint; assert the calls, database operations and messages that behaviour makes and the entry span's status code;`,
  );
  if (rules.length > 0) {
    out.push(
      '- one per rule: covers.rule exactly as given and no covers.behaviour; a conditional assertion with the given `when`, `then` asserting the effect, `else` asserting its absence; a variant whose request makes the condition false;',
    );
  }
  out.push(
    '- every assertion must hold on every recorded trace of what the spec covers, and must be able to fail.',
    'Answer with the JSON array only.',
  );
  return out.join('\n');
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

function ms(us: number): string {
  return `${(us / 1000).toFixed(1)} ms`;
}
