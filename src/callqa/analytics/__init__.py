"""Conversation analytics: analyzers that turn a conversation into labels and findings."""
