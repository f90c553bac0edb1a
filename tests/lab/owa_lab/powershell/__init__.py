"""A PowerShell engine: tree-sitter-powershell parses, this package interprets."""
