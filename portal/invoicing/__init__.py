"""Invoice and statement pages, their presenters, lists and exports, shared by every audience."""
