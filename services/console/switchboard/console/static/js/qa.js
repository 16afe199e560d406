import { t } from "/static/js/console.js";
void t;
