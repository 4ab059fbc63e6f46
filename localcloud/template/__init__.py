"""Turning a SAM/CloudFormation template into resources on the local endpoint."""
