// The part of the yaml package flow files need (YAML beyond the plain subset, lines of problems), in its own chunk
// (dist/yaml.js): handlers never load it.
export { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
