"""Who may do what: accounts and scopes, the audit log, masking of personal values."""
