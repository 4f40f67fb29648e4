"""Reference code sets (ICD-10-CM ...): immutable, in memory, built once per process by an adapter."""
