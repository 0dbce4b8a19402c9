"""The browser side: thin views over the same selectors and services as the API, one module
per page group."""
