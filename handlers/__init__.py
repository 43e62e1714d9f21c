"""One module per Lambda of the route map; each has its operations and one `lambda_handler`."""
