/* Access control, in the browser: when the server answers a Dash request with 401 (the session
 * expired, the account was disabled or its password reset, a wall screen's device token was
 * revoked), go to the sign-in page instead of leaving stale figures on the screen. A wall
 * screen therefore stops at its next refresh after its token is revoked. */
(function () {
  "use strict";
  if (!window.fetch || window.__aoccSessionGuard) { return; }
  window.__aoccSessionGuard = true;
  var originalFetch = window.fetch;
  var leaving = false;
  window.fetch = function () {
    return originalFetch.apply(this, arguments).then(function (response) {
      if (response.status === 401 && !leaving && /\/_dash-/.test(response.url || "")) {
        leaving = true;
        var here = window.location.pathname + window.location.search;
        window.location.assign("/login?reason=expired&next=" + encodeURIComponent(here));
      }
      return response;
    });
  };
}());
