"""The deploy workflow's steps: pure decisions over the AWS adapters, one module per step."""
