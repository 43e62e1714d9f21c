"""Pure rules of the control plane: no I/O, no boto3, no HTTP."""
