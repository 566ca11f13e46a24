"""The dashboard's building blocks: read-only database access, queries, formatters, chart builders, widgets."""
