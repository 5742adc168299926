/**
 * What `withYaml` (yaml.ts) requires: the `yaml` package when the sources run; in the
 * bundle, the build replaces this module with one naming dist/yaml.cjs, the package bundled
 * as one CommonJS file of its own (scripts/build.mjs, `yamlOnItsOwn`).
 */
export const YAML_MODULE = 'yaml';
