"""Domain operations on volunteers and shifts: typed, keyword-only, in a transaction,
raising ``kern.errors.DomainError`` with a Dutch message. One module per sub-domain; what
other code may call is re-exported here."""
