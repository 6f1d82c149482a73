"""A local cloud: ACR event rules and EventBridge behind the real SDK wire protocol, plus delivery."""
