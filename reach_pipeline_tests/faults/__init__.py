"""Fault-injection tests: crashes, torn telemetry rows, concurrent writers, bad input, S3 outage."""
