// The Slack libraries: a large import that only an installation with Slack configured needs, so
// slack.ts loads this on first use.
export { SocketModeClient } from '@slack/socket-mode';
export { WebClient } from '@slack/web-api';
