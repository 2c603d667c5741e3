"""Figures the dashboards show: monthly series and workload counts, each one query."""
