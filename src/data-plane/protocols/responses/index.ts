export { createDeleteResponseRoute, createGetResponseRoute } from './get-route.js';
export { createRecentResponses, type RecentResponses } from './recent-responses.js';
export { createResponsesRoute, type ResponsesRouteDeps } from './route.js';
