import type { ConfigurableOption } from './option-layers.js';

/**
 * The JSON Schema (draft-07, what editors' YAML servers read) of kpush.yaml, derived from the
 * registered options: schema/kpush.schema.json is this, committed, and a test keeps it equal.
 */
export function configSchema(
  commands: ReadonlyArray<{ name: string; description: string; options: readonly ConfigurableOption[] }>,
): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'kpush.yaml',
    description:
      'Defaults for kpush flags, one section per command. Precedence: defaults < kpush.yaml < KPUSH_* variables < flags.',
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(
      commands.map(({ name, description, options }) => [
        name,
        {
          description,
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(options.map((option) => [option.key, optionSchema(option)])),
        },
      ]),
    ),
  };
}

function optionSchema(option: ConfigurableOption): Record<string, unknown> {
  const variable = option.variable ? ` Environment: ${option.variable}.` : '';
  const description = `${option.option.description}.${variable}`;
  const one = valueSchema(option);
  return option.repeatable
    ? { description, anyOf: [one, { type: 'array', items: one }] }
    : { description, ...one };
}

function valueSchema(option: ConfigurableOption): Record<string, unknown> {
  switch (option.type) {
    case 'boolean':
      return { type: 'boolean' };
    case 'integer':
      return { type: 'integer', minimum: 1 };
    case 'duration':
      return { type: ['string', 'number'] };
    case 'string':
      return option.choices ? { type: 'string', enum: [...option.choices] } : { type: 'string' };
  }
}
