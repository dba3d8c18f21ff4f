// vanilla-cookieconsent 3.1.0 set up like the Accord page: three categories, a bar.
CookieConsent.run({
  // Its default hides the banner from headless browsers, which would leave nothing to measure.
  hideFromBots: false,
  guiOptions: { consentModal: { layout: 'bar', position: 'bottom' } },
  categories: { necessary: { enabled: true, readOnly: true }, analytics: {}, marketing: {} },
  language: {
    default: 'en',
    translations: {
      en: {
        consentModal: {
          title: 'We value your privacy',
          description: 'We use cookies. Strictly necessary ones keep the site working; the others run only if you agree.',
          acceptAllBtn: 'Accept all', acceptNecessaryBtn: 'Reject all', showPreferencesBtn: 'Customize',
        },
        preferencesModal: {
          title: 'Privacy settings', acceptAllBtn: 'Accept all', acceptNecessaryBtn: 'Reject all', savePreferencesBtn: 'Save',
          sections: [
            { title: 'Strictly necessary', description: 'Needed for the site to work.', linkedCategory: 'necessary' },
            { title: 'Analytics', description: 'Counts visits.', linkedCategory: 'analytics' },
            { title: 'Marketing', description: 'Measures ads.', linkedCategory: 'marketing' },
          ],
        },
      },
    },
  },
});
