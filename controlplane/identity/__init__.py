"""Identity: OAuth2 clients, tokens shaped like Cognito's, and the principal of a request."""
