"""Pure auth rules: roles, principals, what each may see, login throttling."""
