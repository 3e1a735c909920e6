import { ADMIN } from "../roles.js";
import { route, type Route } from "../router.js";
import { noParams } from "./common.js";

/** unleash-server's event store answers the newest 100 events, newest first. */
const EVENTS_PAGE = 100;

const listEvents = route({
  method: "GET",
  pattern: "/api/admin/events",
  permission: ADMIN,
  params: noParams,
  handler: ({ store }) => {
    const events = store.state.events
      .slice(-EVENTS_PAGE)
      .reverse()
      .map((event) => ({ ...event, tags: [] }));
    return { status: 200, body: { version: 1, events, totalEvents: store.state.events.length } };
  },
});

export const eventRoutes: readonly Route[] = [listEvents];
