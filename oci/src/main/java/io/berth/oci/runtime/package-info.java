/**
 * The OCI runtime specification's config.json as Jackson records (schema: opencontainers/runtime-spec
 * config-schema.json, config-linux.json). JSON names follow the spec; absent values are null and are
 * not written; properties this model does not know are ignored when reading.
 */
package io.berth.oci.runtime;
