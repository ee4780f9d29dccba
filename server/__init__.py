"""The GraphQL server: HTTP and WebSocket transports, the execution pipeline and its hooks
(limits, cost, budgets, persisted and trusted documents), and the planner."""
