-- One database per service (each service owns its schema; no cross-service joins).
-- Run by the postgres image from /docker-entrypoint-initdb.d, only when the data directory is empty.
CREATE DATABASE coding;
CREATE DATABASE claims;
CREATE DATABASE payments;
CREATE DATABASE patient_billing;
