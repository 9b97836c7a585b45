"""Email into accounts: parsing raw mail, routing it to an account, and taking it in."""
