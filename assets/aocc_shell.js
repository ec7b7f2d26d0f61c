/* The shell's clientside callbacks (registered with ClientsideFunction("aocc_shell", ...)).
 * Language and theme live in cookies so that the server renders the next page in them; a switch
 * sets the cookie and reloads (every text and figure is built server side). Kept in a file, not
 * given to Dash as strings, so that the Content-Security-Policy allows no inline script for them. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    aocc_shell: {
        switch_language: function (n_clicks, current) {
            return aoccSwitchCookie(n_clicks, current, "zh", "en", "aocc_lang");
        },
        switch_theme: function (n_clicks, current) {
            return aoccSwitchCookie(n_clicks, current, "light", "dark", "aocc_theme");
        },
        /* The window's size, so that the server draws wall charts with text that suits the screen. */
        viewport: function (_pathname) {
            return {width: window.innerWidth, height: window.innerHeight};
        }
    }
});

function aoccSwitchCookie(n_clicks, current, first, second, cookie) {
    if (!n_clicks) { return window.dash_clientside.no_update; }
    var next = current === first ? second : first;
    document.cookie = cookie + "=" + next + "; path=/; max-age=31536000; SameSite=Lax";
    window.location.reload();
    return next;
}
