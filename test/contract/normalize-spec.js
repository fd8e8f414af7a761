#!/usr/bin/env node
// Usage: node normalize-spec.js <in.yaml|json> <out.json>
//
// Works around a Prism 5.16 blind spot in the OpenAI specs: a schema that carries
// `nullable: true` next to `anyOf`/`oneOf` but without a `type` (e.g. the `model` and
// `size` properties) makes ajv throw '"nullable" cannot be used without "type"' while
// compiling the request-body schema. Prism swallows that error and then accepts EVERY
// request body for the operation, so --errors never yields a 422.
//
// The rewrite keeps the meaning ("null is allowed") and is valid for OpenAPI 3.0 and 3.1
// as Prism reads them: `nullable: true` is moved from the anyOf schema into each of its
// branches. Nothing else in the document changes.
'use strict';

const fs = require('fs');
const YAML = require('yaml');

function pushNullableDown(node) {
  if (Array.isArray(node)) {
    node.forEach(pushNullableDown);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const key of Object.keys(node)) pushNullableDown(node[key]);
  // Only anyOf: under oneOf, null matching several branches would make null invalid.
  if (node.nullable === true && node.type === undefined && Array.isArray(node.anyOf)) {
    const typed = node.anyOf.filter(b => b && typeof b === 'object' && b.type !== undefined);
    // A branch without `type` (a $ref, say) cannot carry `nullable` either: keep it as is
    // and let an explicit null branch admit null instead.
    const untyped = node.anyOf.filter(b => !typed.includes(b));
    node.anyOf = typed.map(b => ({ ...b, nullable: true }));
    if (untyped.length > 0) node.anyOf.push(...untyped, { type: 'null' });
    delete node.nullable;
  }
}

// OpenAI's multipart edits take several images as repeated `image[]` parts (the form
// encoding of the `image` array), a name Prism does not map back to `image`. Declare the
// bracketed name beside the plain one, with the same schema, and require either. (Prism
// keeps only the last of repeated parts, hence the same anyOf rather than the array alone.)
function allowBracketArrays(doc) {
  const schemas = (doc.components && doc.components.schemas) || {};
  for (const schema of Object.values(schemas)) {
    const props = schema && schema.properties;
    if (!props) continue;
    for (const [name, prop] of Object.entries(props)) {
      const array = (prop && Array.isArray(prop.anyOf) ? prop.anyOf : []).find(
        b => b && b.type === 'array');
      if (!array || props[name + '[]']) continue;
      props[name + '[]'] = JSON.parse(JSON.stringify(prop));
      if (Array.isArray(schema.required) && schema.required.includes(name)) {
        schema.required = schema.required.filter(r => r !== name);
        schema.anyOf = [{ required: [name] }, { required: [name + '[]'] }];
      }
    }
  }
}

function main(argv) {
  if (argv.length !== 2) {
    process.stderr.write('usage: node normalize-spec.js <in.yaml|json> <out.json>\n');
    return 2;
  }
  const [input, output] = argv;
  const doc = YAML.parse(fs.readFileSync(input, 'utf8'));
  pushNullableDown(doc);
  allowBracketArrays(doc);
  fs.writeFileSync(output, JSON.stringify(doc, null, 2));
  return 0;
}

process.exitCode = main(process.argv.slice(2));
