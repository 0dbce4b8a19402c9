"""HTTP plumbing every API shares: errors, the strict JSON parser, pagination, auth helpers."""
