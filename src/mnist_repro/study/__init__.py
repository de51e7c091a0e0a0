"""The reproduction study: many seeds, their statistics, REPORT.md and the README's results table."""
